package main

import (
	"flag"
	"io"
)

// parseInterspersed parses flags that may stand before or after the one positional argument
// (nngen train SPEC --epochs 3 and nngen train --epochs 3 SPEC both work), and returns it.
func parseInterspersed(fs *flag.FlagSet, args []string, stderr io.Writer) (string, error) {
	spec, rest, err := parseWithInputs(fs, args, stderr)
	if err == nil && len(rest) > 0 {
		return "", usageError{"more than one spec file given: " + spec + ", " + rest[0] + "; nngen " + fs.Name() + " takes one"}
	}
	return spec, err
}

// parseWithInputs parses flags around a spec and any number of input files after it (nngen
// predict SPEC --weights W a.csv b.png): the first positional argument is the spec, the others
// are the inputs, in order.
func parseWithInputs(fs *flag.FlagSet, args []string, stderr io.Writer) (string, []string, error) {
	fs.SetOutput(stderr)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return "", nil, exitError(0)
			}
			return "", nil, exitError(2)
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) == 0 {
		return "", nil, usageError{"no spec file given; usage: nngen " + fs.Name() + " SPEC [flags]"}
	}
	return positional[0], positional[1:], nil
}
