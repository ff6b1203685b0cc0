package charts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// Listen opens the server's loopback listeners: 127.0.0.1 on port (0: a
// free one) and, when the machine has IPv6, [::1] on the same port. It
// never listens on any other address.
func Listen(ctx context.Context, port int) ([]net.Listener, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("charts: port %d out of range", port)
	}
	var lc net.ListenConfig
	var lastErr error
	for range 5 { // a free port for IPv4 may be taken for IPv6
		v4, err := lc.Listen(ctx, "tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("charts: listen: %w", err)
		}
		p := v4.Addr().(*net.TCPAddr).Port
		v6, err := lc.Listen(ctx, "tcp6", net.JoinHostPort("::1", strconv.Itoa(p)))
		switch {
		case err == nil:
			return []net.Listener{v4, v6}, nil
		case errors.Is(err, syscall.EADDRINUSE):
			v4.Close()
			lastErr = err
			if port != 0 {
				return nil, fmt.Errorf("charts: listen on [::1]:%d: %w", p, err)
			}
			continue
		default: // no IPv6 loopback here
			return []net.Listener{v4}, nil
		}
	}
	return nil, fmt.Errorf("charts: listen: no port free on both 127.0.0.1 and ::1: %w", lastErr)
}

// BaseURL is the address to open for listeners from Listen.
func BaseURL(lns []net.Listener) string {
	return "http://" + lns[0].Addr().String() + "/"
}
