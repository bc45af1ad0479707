// Package pmtab reads and writes a port monitor's table,
// /etc/saf/<tag>/_pmtab: the generic SAF part every port monitor shares
// (docs/architecture.md#service-table-pmtab) and the typed
// port-monitor-specific tails of ttymon (ttymon.go) and listen (listen.go).
package pmtab
