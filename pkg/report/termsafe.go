package report

import "github.com/aihat/aihat/pkg/termline"

// TermSafe is s as a terminal may show it (termline.Safe): the control
// characters and escape sequences a field from the board, the EEPROM,
// flags or the environment may hold are shown as visible escapes (\x1b,
// \r, \n, as %q writes them), printable Unicode (°C, ≤, µ) as it is. A
// newline is escaped too, so a field never starts a line of its own: a
// line that begins "RESULT:" is always aihat's. Every writer that reaches
// a terminal (the table, its notes and RESULT line, the progress and log
// lines, the EEPROM dump, the live status lines, the error line) passes
// fields through it; aihat's own colours are added after it.
func TermSafe(s string) string { return termline.Safe(s) }

// TermSafeLines is TermSafe line by line (termline.SafeLines): newlines
// and tabs stay, nothing else that would act on the terminal.
func TermSafeLines(s string) string { return termline.SafeLines(s) }
