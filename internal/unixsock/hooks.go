package unixsock

// Seams for tests: nothing but tests writes these.
var (
	// testHookBound, when set, runs once the socket file exists at path
	// and before Listen returns: the moment an attacker who can write
	// the directory would swap the new socket for a symbolic link.
	testHookBound func(path string)
)
