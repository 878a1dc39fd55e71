package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestFlagHelpNamesItsValue: pflag takes the first `backquoted` word of a
// flag's usage as the name of its value, so a backquoted command in a help
// text ("from `loadlab baseline save`") printed
// "--baseline loadlab baseline save   baseline JSON (from ...)". Every
// flag's value name must be one word, and every line of a command's long
// help must fit a terminal.
func TestFlagHelpNamesItsValue(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			name, _ := pflag.UnquoteUsage(f)
			if strings.ContainsAny(name, " \t") {
				t.Errorf("%s --%s: its help names the value %q (a backquoted phrase in the usage); backquote one word, such as `FILE`", c.CommandPath(), f.Name, name)
			}
		})
		for i, line := range strings.Split(c.Long, "\n") {
			if n := len([]rune(line)); n > 100 {
				t.Errorf("%s: line %d of its help is %d characters (wrap at 80): %q", c.CommandPath(), i+1, n, line)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd("test"))
}
