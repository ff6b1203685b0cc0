package testpeer

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Xvfb starts a virtual X server with one screen of size (such as
// "320x240x24") on a display number it chooses (reported through
// -displayfd), and returns the DISPLAY value.
func Xvfb(tb testing.TB, size string) string {
	tb.Helper()
	bin := Need(tb, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(bin, "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", size)
	cmd.ExtraFiles = []*os.File{w}
	Start(tb, cmd)
	w.Close()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			tb.Fatal("Xvfb exited without reporting a display number")
		}
		return ":" + n
	case <-time.After(20 * time.Second):
		tb.Fatal("Xvfb did not start within 20 s")
	}
	return ""
}
