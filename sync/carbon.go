package sync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"syscall"
	"time"
)

// maxCloseWait bounds how much a server may send back before closing; a
// Carbon listener sends nothing.
const maxCloseWait = 1 << 20

// appendLine appends one Carbon plaintext line, "<name> <value> <ts>\n". The
// value is the shortest text that parses back to the same float64.
func appendLine(b []byte, name string, p point) []byte {
	b = append(b, name...)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, p.v, 'g', -1, 64)
	b = append(b, ' ')
	b = strconv.AppendInt(b, p.t, 10)
	return append(b, '\n')
}

// pointSource calls fn with each point of one series in order, stopping
// at fn's first error, which it returns.
type pointSource func(fn func(point) error) error

// carbonBatch is what one connection delivers: every metric's points, read
// from their sources as they are written.
type carbonBatch struct {
	names  []string // Carbon metric names, one per series
	series []pointSource
}

// connectError marks a failure to connect at all (refused, unreachable,
// name not found): Run then probes the server cheaply until it is back.
type connectError struct{ error }

func (e connectError) Unwrap() error { return e.error }

// sendCarbon delivers batch over one TCP connection to addr: it writes every
// line, shuts down its write side and waits for the server to close the
// connection (having read everything). timeout bounds the connect, each
// write making no progress, and the wait for the close. It returns the
// number of lines written. An error from a source ends the send: it is
// returned, the server's close unconfirmed.
func sendCarbon(ctx context.Context, addr string, timeout time.Duration, b *carbonBatch) (int, error) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, connectError{carbonError(addr, "connect", timeout, err)}
	}
	defer conn.Close()
	// A cancelled context interrupts whatever the connection is doing.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	w := bufio.NewWriterSize(deadlineWriter{conn, timeout}, 256<<10)
	var line []byte
	n := 0
	var werr error // a write failure, as opposed to a source's
	for i, src := range b.series {
		name := b.names[i]
		err := src(func(p point) error {
			if math.IsNaN(p.v) || math.IsInf(p.v, 0) {
				return nil
			}
			line = appendLine(line[:0], name, p)
			if _, err := w.Write(line); err != nil {
				werr = err
				return err
			}
			n++
			return nil
		})
		if werr != nil {
			return n, carbonError(addr, "send", timeout, ctxErr(ctx, werr))
		}
		if err != nil {
			return n, err
		}
	}
	if err := w.Flush(); err != nil {
		return n, carbonError(addr, "send", timeout, ctxErr(ctx, err))
	}
	if err := closeWrite(conn); err != nil {
		return n, carbonError(addr, "send", timeout, ctxErr(ctx, err))
	}
	// The server closes its side once it has read our end of stream: only
	// then is the batch known to be received.
	conn.SetReadDeadline(time.Now().Add(timeout))
	got, err := io.Copy(io.Discard, io.LimitReader(conn, maxCloseWait))
	if err != nil {
		return n, carbonError(addr, "confirm", timeout, ctxErr(ctx, err))
	}
	if got >= maxCloseWait {
		return n, &sendError{msg: fmt.Sprintf("server at %s answered with data instead of closing; is it a Carbon line receiver?", addr)}
	}
	if err := ctx.Err(); err != nil {
		return n, err
	}
	return n, nil
}

func closeWrite(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// deadlineWriter gives every write timeout to make progress.
type deadlineWriter struct {
	c       net.Conn
	timeout time.Duration
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	if err := w.c.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	return w.c.Write(p)
}

// ctxErr prefers the context's error over the I/O error it caused.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// sendError is a delivery failure in plain words; it unwraps to the cause.
type sendError struct {
	msg string
	err error
}

func (e *sendError) Error() string { return e.msg }
func (e *sendError) Unwrap() error { return e.err }

// carbonError turns a network error into plain words.
func carbonError(addr, stage string, timeout time.Duration, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &sendError{msg: "forwarding cancelled", err: err}
	}
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return &sendError{msg: fmt.Sprintf("Grok server name not found: %s", dns.Name), err: err}
		}
		return &sendError{msg: fmt.Sprintf("cannot look up the Grok server %s: %v", dns.Name, dns.Err), err: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &sendError{msg: fmt.Sprintf("Grok unreachable: connection refused by %s", addr), err: err}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &sendError{msg: fmt.Sprintf("Grok unreachable: no route to %s", addr), err: err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return &sendError{msg: fmt.Sprintf("Grok at %s dropped the connection before confirming", addr), err: err}
	case errors.As(err, &ne) && ne.Timeout():
		switch stage {
		case "connect":
			return &sendError{msg: fmt.Sprintf("Grok unreachable: no answer from %s within %v", addr, timeout), err: err}
		case "confirm":
			return &sendError{msg: fmt.Sprintf("Grok at %s did not confirm within %v", addr, timeout), err: err}
		}
		return &sendError{msg: fmt.Sprintf("Grok at %s stopped reading for %v", addr, timeout), err: err}
	}
	return &sendError{msg: fmt.Sprintf("Grok at %s: %s failed: %v", addr, stage, err), err: err}
}
