package main

import (
	"flag"
	"io"
)

// parseInterspersed parses flags that may stand before or after the one positional argument
// (nngen train SPEC --epochs 3 and nngen train --epochs 3 SPEC both work), and returns it.
func parseInterspersed(fs *flag.FlagSet, args []string, stderr io.Writer) (string, error) {
	fs.SetOutput(stderr)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return "", exitError(0)
			}
			return "", exitError(2) // the flag package has printed the error and the usage
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(positional) {
	case 0:
		return "", usageError{"no spec file given; usage: nngen " + fs.Name() + " SPEC [flags]"}
	case 1:
		return positional[0], nil
	}
	return "", usageError{"more than one spec file given: " + positional[0] + ", " + positional[1] + "; nngen " + fs.Name() + " takes one"}
}
