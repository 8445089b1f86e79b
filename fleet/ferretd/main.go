// Command ferretd runs FerretDB (SQLite handler) on a loopback address
// for the fleet test (package fleet), which builds it without the race
// detector: inside a -race test binary FerretDB would be the slowest
// part of the fleet by far. It is a test helper, not part of Kompeten.
//
//	ferretd -addr 127.0.0.1:27017 -dir /tmp/ferret
//
// It prints "ready" once it accepts connections and runs until killed.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:27017", "address to listen on")
	dir := flag.String("dir", "", "directory of the SQLite databases")
	pprof := flag.String("pprof", "", "serve /debug/pprof on this address; off when empty")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretd: -dir is required")
		os.Exit(2)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *addr},
		Handler:  "sqlite",
		// No fsync per commit: the data dies with the test anyway, and on
		// a shared disk the syncs, not FerretDB, set the pace.
		SQLiteURL: "file:" + *dir + "/?_pragma=synchronous(off)",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretd:", err)
		os.Exit(1)
	}
	if *pprof != "" {
		go func() { fmt.Fprintln(os.Stderr, "ferretd: pprof:", http.ListenAndServe(*pprof, nil)) }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		for ctx.Err() == nil {
			if c, err := net.DialTimeout("tcp", *addr, time.Second); err == nil {
				c.Close()
				fmt.Println("ready")
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	f.Run(ctx)
}
