// Command proxyfloor is the least an HTTP proxy in front of MinIO can do,
// as a control for the media benchmark: every GET is answered with the
// object at one presigned URL, fetched with net/http and copied through a
// buffer as large as /media's. No framework, no authentication, no
// database. What it reaches on a machine is the most /media could.
//
//	proxyfloor ADDR URL
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: proxyfloor ADDR URL")
	}
	target := os.Args[2]
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	log.Fatal(http.ListenAndServe(os.Args[1], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := client.Get(target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			http.Error(w, fmt.Sprintf("upstream: %s", res.Status), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(res.ContentLength, 10))
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		buf := make([]byte, 1<<20)
		// Plain interfaces on both sides, so the copy is read, write:
		// what /media does, not a splice.
		io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{res.Body}, buf)
	})))
}
