#!/bin/sh
# Regenerates the demo course's video, cmd/kompeten/demo/kotalama-demo.mp4:
# 24 s, 640x360, a moving gradient with drifting shapes, four title cards
# in Indonesian and a soft chord. H.264 baseline + AAC with faststart, so
# it plays on old phones and starts before it has fully loaded; under 1 MB.
# Its caption track, kotalama-demo.id.vtt, follows the same timings: keep
# the two in step when the cards change.
#
# Needs ffmpeg built with libx264, libfreetype and the gradients source
# (Debian's ffmpeg package), and a TrueType font (FONT=...).
set -eu
out=${1:-cmd/kompeten/demo/kotalama-demo.mp4}
font=${FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf}
font2=${FONT2:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
d=24

# card START END TITLE SUBTITLE: a title card fading in and out.
card() {
	a="if(lt(t,$1+0.6),(t-$1)/0.6,if(gt(t,$2-0.6),($2-t)/0.6,1))"
	printf "drawtext=fontfile=%s:text='%s':fontsize=32:fontcolor=white:x=(w-text_w)/2:y=h/2-50:enable='between(t,%s,%s)':alpha='%s'," "$font" "$3" "$1" "$2" "$a"
	printf "drawtext=fontfile=%s:text='%s':fontsize=22:fontcolor=0xfde68a:x=(w-text_w)/2:y=h/2+10:enable='between(t,%s,%s)':alpha='%s'," "$font2" "$4" "$1" "$2" "$a"
}

video="gradients=s=640x360:r=24:d=$d:c0=0x0b5f6b:c1=0x123a63:c2=0x0f766e:n=3:speed=0.015,format=yuv420p,"
# Two translucent panels drifting across, and a band for the text.
video="$video drawbox=x='40+60*sin(t/3)':y=40:w=180:h=180:color=white@0.06:t=fill,"
video="$video drawbox=x='iw-260+50*cos(t/4)':y='ih-200+20*sin(t/2)':w=220:h=150:color=0xf59e0b@0.10:t=fill,"
video="$video drawbox=x=0:y=ih/2-75:w=iw:h=130:color=black@0.25:t=fill,"
video="$video$(card 0 6 'Kompeten' 'Belajar kapan saja untuk ASN Kota Kotalama')"
video="$video$(card 6 12 'Mengapa kompetensi penting' 'Pelayanan publik yang lebih baik')"
video="$video$(card 12 18 'Cara mengembangkannya' 'Pelatihan - teknologi - umpan balik')"
video="$video$(card 18 24 'Selamat belajar' 'Selesaikan kuis untuk mendapat sertifikat')"
video="$video drawtext=fontfile=$font2:text='kompeten':fontsize=14:fontcolor=white@0.7:x=w-text_w-16:y=h-text_h-12"

audio="sine=f=220:d=$d[a1];sine=f=277.18:d=$d[a2];sine=f=329.63:d=$d[a3];[a1][a2][a3]amix=inputs=3,volume=0.35,afade=t=in:d=1.5,afade=t=out:st=$((d-2)):d=2,tremolo=f=0.5:d=0.3"

ffmpeg -hide_banner -loglevel error -y \
	-f lavfi -i "$video" -f lavfi -i "$audio" \
	-c:v libx264 -profile:v baseline -level 3.0 -preset veryslow -crf 30 -pix_fmt yuv420p -g 48 \
	-c:a aac -b:a 40k -ac 1 -ar 44100 \
	-movflags +faststart -t $d -metadata title='Kompeten: video pengantar' "$out"
ls -l "$out"
