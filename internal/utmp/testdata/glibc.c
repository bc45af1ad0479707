/*
 * Reference output from the C library for utmp_test.go (TestGlibcLayout,
 * TestPutLikeGlibc). Usage: glibc RECORDFILE UTMPFILE
 * Prints "name offset size" lines for struct utmp, writes one record with
 * known values to RECORDFILE, and runs a fixed sequence of pututline calls
 * on UTMPFILE (which must exist). The Go test repeats both and compares the
 * bytes.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utmp.h>

#define FIELD(f) printf("%s %zu %zu\n", #f, offsetof(struct utmp, f), sizeof(((struct utmp *)0)->f))

static struct utmp rec(short type, pid_t pid, const char *line, const char *id,
                       const char *user, int sec) {
	struct utmp u;
	memset(&u, 0, sizeof u);
	u.ut_type = type;
	u.ut_pid = pid;
	strncpy(u.ut_line, line, sizeof u.ut_line);
	strncpy(u.ut_id, id, sizeof u.ut_id);
	strncpy(u.ut_user, user, sizeof u.ut_user);
	u.ut_tv.tv_sec = sec;
	return u;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: glibc RECORDFILE UTMPFILE\n");
		return 2;
	}
	printf("size %zu %zu\n", (size_t)0, sizeof(struct utmp));
	FIELD(ut_type);
	FIELD(ut_pid);
	FIELD(ut_line);
	FIELD(ut_id);
	FIELD(ut_user);
	FIELD(ut_host);
	FIELD(ut_exit);
	FIELD(ut_session);
	FIELD(ut_tv);
	FIELD(ut_addr_v6);

	struct utmp u = rec(USER_PROCESS, 12345, "pts/7", "ts/7", "alice", 1700000000);
	strncpy(u.ut_host, "example.org", sizeof u.ut_host);
	u.ut_exit.e_termination = 3;
	u.ut_exit.e_exit = 4;
	u.ut_session = 777;
	u.ut_tv.tv_usec = 123456;
	u.ut_addr_v6[0] = 0x0100007f;
	u.ut_addr_v6[1] = 2;
	u.ut_addr_v6[2] = 3;
	u.ut_addr_v6[3] = -4;
	FILE *f = fopen(argv[1], "wb");
	if (f == NULL || fwrite(&u, sizeof u, 1, f) != 1 || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}

	/* Keep in step with putSequence in utmp_test.go. */
	struct utmp seq[] = {
		rec(LOGIN_PROCESS, 100, "pts/1", "ts/1", "LOGIN", 1000),
		rec(LOGIN_PROCESS, 101, "pts/2", "ts/2", "LOGIN", 1001),
		rec(USER_PROCESS, 100, "pts/1", "ts/1", "alice", 1002),
		rec(BOOT_TIME, 0, "~", "~~", "reboot", 1003),
		rec(BOOT_TIME, 0, "~", "~~", "reboot", 1004),
		rec(DEAD_PROCESS, 101, "pts/2", "ts/2", "", 1005),
		rec(USER_PROCESS, 102, "pts/2", "", "bob", 1006),
		rec(EMPTY, 0, "", "zz", "", 1007),
		rec(LOGIN_PROCESS, 103, "ttyS0", "ts/1", "LOGIN", 1008),
		rec(RUN_LVL, 0, "~", "~~", "runlevel", 1009),
		rec(INIT_PROCESS, 104, "", "si", "", 1010),
		rec(USER_PROCESS, 105, "longer-than-four", "longer", "carol", 1011),
	};
	if (utmpname(argv[2]) != 0) {
		perror("utmpname");
		return 1;
	}
	for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		setutent();
		if (pututline(&seq[i]) == NULL) {
			perror("pututline");
			return 1;
		}
	}
	endutent();
	return 0;
}
