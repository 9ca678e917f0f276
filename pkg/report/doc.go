// Package report holds the run record (run → steps → measurements with
// units and limits), its evaluation into PASS/FAIL/ERROR/ABORTED outcomes,
// the mapping to exit codes, and the writers that render one run as a
// terminal table, JSON, JUnit XML and Markdown.
package report
