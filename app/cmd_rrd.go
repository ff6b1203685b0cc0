package main

import (
	"context"

	"github.com/rogue-metrics/rogue/rrd/rrdtool"
)

func init() {
	register(command{
		Name:    "rrd",
		Summary: rrdtool.Summary,
		Run: func(ctx context.Context, args []string, io stdio) int {
			return rrdtool.Run(ctx, args, rrdtool.IO{In: io.In, Out: io.Out, Err: io.Err})
		},
	})
}
