// Command traypeer is bench/app.sh's peer: the floor of any tray app, a
// fyne.io/systray item with one menu entry and nothing else, quitting on
// SIGINT. It lives in Rogue's module so that it builds from the module's own
// go.mod and go.sum on a fresh machine.
package main

import (
	"os"
	"os/signal"

	"fyne.io/systray"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	systray.Run(func() {
		systray.SetTitle("peer")
		systray.AddMenuItem("Quit", "")
		go func() { <-sig; systray.Quit() }()
	}, nil)
}
