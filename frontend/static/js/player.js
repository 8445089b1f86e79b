// Video lesson player: resumes at the saved position, playback speed,
// keyboard shortcuts, and progress reports of contiguously watched
// intervals (a seek starts a new interval), sent every 15 s, on pause and
// end, and when the page is hidden or left (navigator.sendBeacon).
(function () {
  'use strict';
  var box = document.getElementById('player');
  var video = document.getElementById('video');
  if (!box || !video) return;
  var statusEl = document.getElementById('lesson-status');
  var url = box.dataset.progressUrl;
  var csrf = box.dataset.csrf;
  var enrolled = box.dataset.enrolled === '1';
  var saved = parseFloat(box.dataset.position) || 0;

  function say(msg) { if (statusEl && msg) statusEl.textContent = msg; }
  function clock(s) {
    s = Math.max(0, Math.floor(s));
    var m = Math.floor(s / 60), r = s % 60;
    return m + ':' + (r < 10 ? '0' : '') + r;
  }

  // Resume where the learner left off, unless that was the very end.
  var resumed = false;
  function resume() {
    if (resumed) return;
    resumed = true;
    var d = video.duration;
    if (saved > 1 && (!isFinite(d) || saved < d - 2)) {
      video.currentTime = saved;
      say((box.dataset.msgResumed || '%s').replace('%s', clock(saved)));
    }
  }
  if (video.readyState >= 1) resume(); else video.addEventListener('loadedmetadata', resume);

  // Playback speed.
  var speed = document.getElementById('speed');
  if (speed) {
    speed.addEventListener('change', function () { video.playbackRate = parseFloat(speed.value) || 1; });
  }
  function seekBy(d) {
    var t = video.currentTime + d;
    if (isFinite(video.duration)) t = Math.min(t, video.duration);
    video.currentTime = Math.max(0, t);
  }
  Array.prototype.forEach.call(box.querySelectorAll('[data-seek]'), function (b) {
    b.addEventListener('click', function () { seekBy(parseFloat(b.dataset.seek)); });
  });
  function toggle() { if (video.paused) { video.play().catch(function () {}); } else { video.pause(); } }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target && e.target.tagName) || '';
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(tag) || (e.target && e.target.isContentEditable)) return;
    switch (e.key) {
      case ' ': case 'k': case 'K': toggle(); break;
      case 'j': case 'J': case 'ArrowLeft': seekBy(-10); break;
      case 'l': case 'L': case 'ArrowRight': seekBy(10); break;
      default: return;
    }
    e.preventDefault();
  });

  if (!enrolled || !url) return;

  // Watched intervals: only contiguous playback counts.
  var pending = [];   // closed intervals not yet sent
  var cur = null;     // [from, to] being watched now
  var last = null;    // last currentTime seen while playing
  function close() {
    if (cur && cur[1] - cur[0] > 0.05) pending.push([round(cur[0]), round(cur[1])]);
    cur = null;
    last = null;
  }
  function round(x) { return Math.round(x * 100) / 100; }
  video.addEventListener('timeupdate', function () {
    var t = video.currentTime;
    if (video.paused || video.seeking) { last = t; return; }
    // A jump of more than 3 s (times the speed) between updates is a seek.
    if (cur && last !== null && t >= last && t - last <= 3 * (video.playbackRate || 1)) {
      cur[1] = t;
    } else {
      close();
      cur = [t, t];
    }
    last = t;
  });
  video.addEventListener('seeking', close);
  video.addEventListener('playing', function () {
    // Playback (re)starts here: a new interval from the current position.
    close();
    cur = [video.currentTime, video.currentTime];
    last = video.currentTime;
  });

  var done = false;
  function body() {
    var ws = pending.slice();
    if (cur && cur[1] - cur[0] > 0.05) ws.push([round(cur[0]), round(cur[1])]);
    var p = new URLSearchParams();
    p.set('_csrf', csrf);
    p.set('position', String(round(video.currentTime || 0)));
    p.set('watched', JSON.stringify(ws));
    if (isFinite(video.duration)) p.set('duration', String(round(video.duration)));
    return p;
  }
  function sent() {
    // Keep the running interval, but only what follows the part just sent.
    pending = [];
    if (cur) cur = [cur[1], cur[1]];
  }
  var lastSentPos = -1;
  function report(leaving) {
    var p = body();
    if (leaving && navigator.sendBeacon) {
      if (navigator.sendBeacon(url, p)) { sent(); }
      return;
    }
    sent();
    fetch(url, { method: 'POST', body: p, credentials: 'same-origin', keepalive: !!leaving,
      headers: { 'X-CSRF-Token': csrf } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        lastSentPos = j.position;
        box.dataset.saved = String(j.position);
        if (j.done && !done) {
          done = true;
          say(box.dataset.msgDone);
          if (statusEl) {
            statusEl.insertAdjacentHTML('afterbegin', (statusEl.dataset.iconDone || '') + ' ');
            statusEl.className = 'status st-ok';
          }
        }
      })
      .catch(function () {
        // Offline: put the intervals back to send with the next report.
        var ws = JSON.parse(p.get('watched') || '[]');
        pending = ws.concat(pending);
        say(box.dataset.msgOffline);
      });
  }
  setInterval(function () { if (!video.paused) report(false); }, 15000);
  video.addEventListener('pause', function () { close(); report(false); });
  video.addEventListener('ended', function () { close(); report(false); });
  video.addEventListener('seeked', function () { if (video.paused) report(false); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') { close(); report(true); }
  });
  window.addEventListener('pagehide', function () { close(); report(true); });
}());
