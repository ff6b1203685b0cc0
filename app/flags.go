package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlagSet returns a flag set for the command name (as users type it,
// "rogue forward") that reports to w and lets the caller handle errors.
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// parseFlags parses args with fs, whose name is the command as users type
// it, and reports whether the command should go on. When not, code is its
// exit status: 0 after -h (fs printed the usage), 2 after a bad flag (fs
// printed the error and usage) or a positional argument, which none of the
// commands takes. badArg, if not nil, phrases the message for such an
// argument (without the command name); by default it is quoted.
func parseFlags(fs *flag.FlagSet, args []string, badArg func(arg string) string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		msg := fmt.Sprintf("unexpected argument %q", fs.Arg(0))
		if badArg != nil {
			msg = badArg(fs.Arg(0))
		}
		fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), msg)
		return 2, false
	}
	return 0, true
}

// prefixFlag defines --prefix, the folder of what ("the RRD files"), empty
// meaning Rogue's data folder (see orDefaultPrefix).
func prefixFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("prefix", "", "`folder` of "+what+" (default: Rogue's data folder)")
}

// orDefaultPrefix replaces an empty *prefix with Rogue's data folder.
func orDefaultPrefix(prefix *string) error {
	if *prefix != "" {
		return nil
	}
	p, err := defaultPrefix()
	if err != nil {
		return err
	}
	*prefix = p
	return nil
}
