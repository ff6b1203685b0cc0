package agent

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startXvfb starts a virtual X server on a free display number (Xvfb picks
// it and reports it through -displayfd) and returns the DISPLAY value. The
// server is stopped when the test ends.
func startXvfb(tb testing.TB) string {
	tb.Helper()
	bin := needTool(tb, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "320x240x24")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		r.Close()
	})
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

// xdotool runs xdotool against display.
func xdotool(tb testing.TB, display string, args ...string) {
	tb.Helper()
	cmd := exec.Command(needTool(tb, "xdotool"), args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}
