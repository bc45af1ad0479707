package listen

// RPC registration (listen.md 5.8, 9.9; linux.md D18) is not implemented
// yet: an entry with rpc info is bound and served, and the log says that
// it was not registered with rpcbind, in the original's words.

func (l *listener) rpcSet(ep *endpoint, s *service) {
	if s.RPC == nil {
		return
	}
	l.logf("rpcb_set failed, service not registered with rpcbind")
	l.logf("  (RPC registration is not supported yet)")
}

func (l *listener) rpcUnset(ep *endpoint, s *service) {}
