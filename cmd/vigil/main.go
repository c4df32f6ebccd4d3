// Command vigil runs Vigil, the self-hostable exam proctoring system.
package main

import (
	"context"
	"os"

	"vigil/internal/cli"
)

func main() {
	os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
