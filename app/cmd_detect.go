package main

import (
	"context"

	"github.com/rogue-metrics/rogue/anomaly/detectcli"
)

func init() {
	register(command{Name: "detect", Summary: "score a CSV or RRD series with Rogue's anomaly detector", Run: func(ctx context.Context, args []string, io stdio) int {
		return detectcli.Command{DefaultPrefix: defaultPrefix}.Run(ctx, args, io.In, io.Out, io.Err)
	}})
}
