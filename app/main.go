// Command rogue samples a computer's vital signs and typing rhythm, keeps
// two weeks of them in rrdtool-format round-robin databases, shows them live
// in the menu bar (macOS) or tray (Linux), and forwards them to a Grok
// anomaly-detection server.
//
// Run without a subcommand it is the menu-bar app. The subcommands keep the
// names and flags of the numenta-rogue tools it replaces:
//
//	rogue agent    collect metrics into RRD files (old rogue-agent + rogue-keycounter)
//	rogue forward  send pending points to a Grok or Carbon server (old rogue-forward)
//	rogue export   append pending points to CSV files (old rogue-export)
//	rogue rrd      a built-in rrdtool: create, update, fetch, dump, info, first, last, lastupdate
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// stdio is what a command reads from and writes to, so tests can run
// commands in-process.
type stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// command is one subcommand of rogue. Each lives in its own cmd_*.go file and
// registers itself in init.
type command struct {
	Name    string
	Summary string
	// Run executes the command with the arguments after its name and returns
	// the process exit code: 0 success, 1 failure, 2 usage error.
	Run func(ctx context.Context, args []string, io stdio) int
}

var commands = map[string]command{}

// defaultCommand runs when rogue is started without a subcommand (or with
// only flags). The menu-bar app sets it; without it rogue prints its usage.
var defaultCommand func(ctx context.Context, args []string, io stdio) int

func register(c command) {
	if _, dup := commands[c.Name]; dup {
		panic("rogue: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

func main() {
	// SIGHUP (the terminal went away, or a service manager's reload) ends
	// Rogue as cleanly as SIGTERM: the tick in flight is finished and the
	// shutdown logged, instead of the default exit with status 129.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, io stdio) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			if len(args) > 1 {
				if c, ok := commands[args[1]]; ok {
					return c.Run(ctx, []string{"-h"}, io)
				}
				if args[1] == "app" && defaultCommand != nil {
					return defaultCommand(ctx, []string{"-h"}, io)
				}
				if args[1] != "help" && args[1] != "version" {
					fmt.Fprintf(io.Err, "rogue: no help for %q: not a command\n\n", args[1])
					usage(io.Err)
					return 2
				}
			}
			usage(io.Out)
			return 0
		case "version", "-version", "--version":
			fmt.Fprintf(io.Out, "rogue %s\n", version)
			return 0
		}
		if c, ok := commands[args[0]]; ok {
			return c.Run(ctx, args[1:], io)
		}
		if args[0] != "" && args[0][0] != '-' {
			fmt.Fprintf(io.Err, "rogue: unknown command %q\n\n", args[0])
			usage(io.Err)
			return 2
		}
	}
	if defaultCommand == nil {
		usage(io.Err)
		return 2
	}
	return defaultCommand(ctx, args, io)
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Rogue %s: personal metrics agent.\n\nUsage:\n  rogue [flags]            run the menu-bar app (headless agent without a desktop)\n  rogue <command> [flags]\n\nCommands:\n", version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun 'rogue help app' for the menu-bar app's flags, 'rogue help <command>' for a command's.\n")
}
