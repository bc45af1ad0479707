// Package pmtab reads and writes a port monitor's table,
// /etc/saf/<tag>/_pmtab: the generic SAF part every port monitor shares
// (sac.md 6) and the typed port-monitor-specific tails of ttymon
// (ttymon.md 3, ttymon.go) and listen (listen.md 2, listen.go).
package pmtab
