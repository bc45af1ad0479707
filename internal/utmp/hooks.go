package utmp

import "time"

// lockTimeout is how long the file operations wait for the accounting
// file's lock before they give up, as glibc does (LOCK_TIMEOUT in
// login/utmp_file.c is 10 s): a process that keeps utmp locked must not
// stop ttymon for ever. Tests shorten it.
var lockTimeout = 10 * time.Second
