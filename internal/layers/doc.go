// Package layers holds only a test: it reads the layer rules from
// docs/ARCHITECTURE.md (which package is in which layer, which layer may
// import which, and the rules on single packages) and fails when an import
// in the module breaks one, naming the importing file and package, the
// imported package and the rule. The document is the one source of the
// rules; the test is what keeps the code to them.
package layers
