package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwarp"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a tablewriter table that fits a terminal's width. When the
// table is wider than Width its columns are narrowed (the widest first)
// and cells wrap inside them, by tablewriter's own word wrap; when even
// the narrowest useful columns do not fit, each row is printed as a block
// of "HEADER value" lines instead. A Width of 0 means no limit: the table
// is tablewriter's, one line per row, as a script reading it expects.
//
// tablewriter's own WithMaxWidth is not used: it gives every column an
// equal share and never breaks a word, so a UUID or a long measurement
// name still overruns the line.
type Table struct {
	w      io.Writer
	width  int
	header []string
	rows   [][]string
}

// NewTable starts a table of the given columns for a terminal width cells
// wide (0: no limit).
func NewTable(w io.Writer, width int, header ...string) *Table {
	return &Table{w: w, width: width, header: header}
}

// Append adds a row; cells may carry ANSI colour, which takes no width.
func (t *Table) Append(cells ...string) {
	t.rows = append(t.rows, cells)
}

// minColumn is the narrowest a column is made to wrap into (unless its
// content is narrower): narrower still, most words would be broken.
const minColumn = 10

// Render writes the table in the layout its width allows.
func (t *Table) Render() error {
	natural := make([]int, len(t.header))
	for i, col := range t.columns() {
		for _, c := range col {
			natural[i] = max(natural[i], cellWidth(c))
		}
	}
	if t.width <= 0 || boxWidth(natural) <= t.width {
		return t.renderBox(nil)
	}
	budget := t.width - boxWidth(make([]int, len(natural)))
	if widths := shrink(t.columns(), natural, t.floors(natural), budget); widths != nil {
		return t.renderBox(widths)
	}
	return t.renderVertical()
}

// boxWidth is the line width of tablewriter's default box around columns
// of these content widths: one space of padding each side of a cell and a
// rule before, between and after the cells.
func boxWidth(content []int) int {
	w := 1
	for _, c := range content {
		w += c + 3
	}
	return w
}

// columns is the table by column: each column's header, then its cells
// ("" where a row is short).
func (t *Table) columns() [][]string {
	cols := make([][]string, len(t.header))
	for i, h := range t.header {
		cols[i] = []string{h}
		for _, row := range t.rows {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			cols[i] = append(cols[i], c)
		}
	}
	return cols
}

// floors is how narrow each column may become: minColumn, or its header's
// longest word if wider (a header is never broken), or its natural width
// if narrower.
func (t *Table) floors(natural []int) []int {
	floors := make([]int, len(natural))
	for i, n := range natural {
		floors[i] = min(n, max(minColumn, longestWord(t.header[i])))
	}
	return floors
}

// shrink narrows columns one cell at a time, from their natural widths,
// until they sum to budget, keeping each at or above its floor; nil when
// the floors alone are over budget. Each time it narrows the column that
// costs least (the wider on a tie), so a column whose cells already wrap
// gives way before one that fits on a line.
func shrink(cols [][]string, natural, floors []int, budget int) []int {
	widths := slices.Clone(natural)
	heights := make([]int, len(cols[0])) // each row's lines
	for i, col := range cols {
		for r, c := range col {
			heights[r] = max(heights[r], len(WrapText(c, widths[i])))
		}
	}
	for sum := sumOf(widths); sum > budget; sum-- {
		best, bestCost := -1, 0
		for i, w := range widths {
			if w <= floors[i] {
				continue
			}
			if c := cost(cols[i], w-1, heights); best < 0 || c < bestCost || (c == bestCost && w > widths[best]) {
				best, bestCost = i, c
			}
		}
		if best < 0 {
			return nil
		}
		widths[best]--
		for r, c := range cols[best] {
			heights[r] = max(heights[r], len(WrapText(c, widths[best])))
		}
	}
	return widths
}

// cost is what narrowing col to width costs: the rows its cells make
// taller than heights, and the words it newly breaks (a name split over
// two lines reads worse than a sentence wrapped at a space).
func cost(col []string, width int, heights []int) int {
	n := 0
	for r, c := range col {
		if cellWidth(c) <= width {
			continue
		}
		if len(WrapText(c, width)) > heights[r] {
			n++
		}
		if longestWord(c) == width+1 {
			n++
		}
	}
	return n
}

func sumOf(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

// renderBox renders with tablewriter; widths, when set, are the content
// widths the columns wrap to.
func (t *Table) renderBox(widths []int) error {
	var opts []tablewriter.Option
	cells := t.rows
	if widths != nil {
		perColumn := tw.NewMapper[int, int]()
		for i, w := range widths {
			perColumn.Set(i, w+2) // tablewriter's widths include the padding
		}
		opts = append(opts, tablewriter.WithWidths(tw.CellWidth{PerColumn: perColumn}),
			tablewriter.WithHeaderAutoWrap(tw.WrapNormal), tablewriter.WithRowAutoWrap(tw.WrapNormal))
		cells = breakRows(t.rows, widths)
	}
	tbl := tablewriter.NewTable(t.w, opts...)
	tbl.Header(t.header)
	for _, row := range cells {
		if err := tbl.Append(row); err != nil {
			return err
		}
	}
	return tbl.Render()
}

// breakRows returns the rows with every word wider than its column broken
// onto lines of its own: tablewriter wraps at spaces and widens a column
// for a word that does not fit, which would overrun the line.
func breakRows(rows [][]string, widths []int) [][]string {
	out := make([][]string, len(rows))
	for r, row := range rows {
		out[r] = make([]string, len(row))
		for i, c := range row {
			if i < len(widths) {
				c = breakLongWords(c, widths[i])
			}
			out[r][i] = c
		}
	}
	return out
}

// renderVertical prints each row as a block of "HEADER  value" lines,
// values wrapped beside the headers, each block ended by a blank line.
func (t *Table) renderVertical() error {
	labelWidth := 0
	for _, h := range t.header {
		labelWidth = max(labelWidth, cellWidth(h))
	}
	valueWidth := max(t.width-labelWidth-2, minColumn)
	indent := strings.Repeat(" ", labelWidth+2)
	var b strings.Builder
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(t.header) || c == "" {
				continue
			}
			label := strings.ToUpper(t.header[i])
			lines := WrapText(c, valueWidth)
			fmt.Fprintf(&b, "%s%s%s\n", label, strings.Repeat(" ", labelWidth+2-cellWidth(label)), strings.Join(lines, "\n"+indent))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// WrapText word-wraps s to lines at most width cells wide (0: no limit,
// s's own lines), breaking the words that are wider on their own.
func WrapText(s string, width int) []string {
	if width <= 0 {
		return strings.Split(s, "\n")
	}
	var lines []string
	for _, line := range strings.Split(breakLongWords(s, width), "\n") {
		wrapped, _ := twwarp.WrapString(line, width)
		lines = append(lines, wrapped...)
	}
	return lines
}

// WrapLine wraps one line of text to width cells (0: no limit), the lines
// after the first indented by two spaces; the first line keeps the text's
// beginning, so a prefix such as "RESULT: PASS" stays greppable.
func WrapLine(s string, width int) string {
	if width <= 0 || cellWidth(s) <= width {
		return s
	}
	return strings.Join(WrapText(s, width-2), "\n  ")
}

// breakLongWords puts a line break into each word of s wider than width,
// after the last '.', '_', '-', '/' or ',' that fits (else at width), so
// word wrap can keep every line within width.
func breakLongWords(s string, width int) string {
	if width <= 0 || cellWidth(s) <= width {
		return s
	}
	lines := strings.Split(s, "\n")
	for l, line := range lines {
		words := strings.Split(line, " ")
		for i, word := range words {
			words[i] = strings.Join(breakWord(word, width), "\n")
		}
		lines[l] = strings.Join(words, " ")
	}
	return strings.Join(lines, "\n")
}

// breakWord splits word into pieces at most width cells wide.
func breakWord(word string, width int) []string {
	var pieces []string
	for cellWidth(word) > width {
		cut := fitPrefix(word, width)
		if i := strings.LastIndexAny(word[:cut], "._-/,"); i > 0 {
			cut = i + 1
		}
		pieces = append(pieces, word[:cut])
		word = word[cut:]
	}
	return append(pieces, word)
}

// fitPrefix is the byte length of word's longest prefix at most width
// cells wide, and at least one rune so that breaking always progresses.
func fitPrefix(word string, width int) int {
	used, cut := 0, 0
	for i, r := range word {
		w := twwidth.Width(string(r))
		if used+w > width && i > 0 {
			break
		}
		used += w
		cut = i + len(string(r))
	}
	return cut
}

// cellWidth is the display width of s's widest line, ANSI colour aside.
func cellWidth(s string) int {
	w := 0
	for _, line := range strings.Split(s, "\n") {
		w = max(w, twwidth.Width(line))
	}
	return w
}

// longestWord is the display width of s's widest word.
func longestWord(s string) int {
	w := 0
	for _, word := range strings.Fields(s) {
		w = max(w, twwidth.Width(word))
	}
	return w
}
