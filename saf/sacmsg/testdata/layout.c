/*
 * Layout check for package sacmsg (TestLayoutMatchesC): the four records as
 * the host C compiler lays them out, declared from the field tables of
 * docs/architecture.md#sacmsg-layout, docs/architecture.md#pmmsg-layout and
 * docs/architecture.md#admcmd-and-admack-layouts (C types and order only).
 * Prints, per record, its name, sizeof and the bytes of one sample value
 * with every field non-zero, so the Go encoder must agree on each offset,
 * width and the byte order.
 */
#include <stdio.h>
#include <string.h>

struct sacmsg {
	int sc_size;
	char sc_type;
};

struct pmmsg {
	char pm_type;
	unsigned char pm_state;
	char pm_maxclass;
	char pm_tag[15];
	int pm_size;
};

struct admcmd {
	char ac_mtype;
	char ac_tag[15];
	int ac_pid;
};

struct admack {
	char ak_resp;
	int ak_pid;
	long ak_size;
};

static void dump(const char *name, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	printf("%s %zu ", name, n);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void)
{
	struct sacmsg s;
	struct pmmsg p;
	struct admcmd c;
	struct admack a;

	/* memset first: padding must be zero, as the Go encoder writes it. */
	memset(&s, 0, sizeof s);
	s.sc_size = 0x00020304;
	s.sc_type = 4;
	dump("sacmsg", &s, sizeof s);

	memset(&p, 0, sizeof p);
	p.pm_type = 2;
	p.pm_state = 3;
	p.pm_maxclass = 1;
	strcpy(p.pm_tag, "abcdefghijklmn");
	p.pm_size = 0x000a0b0c;
	dump("pmmsg", &p, sizeof p);

	memset(&c, 0, sizeof c);
	c.ac_mtype = 7;
	strcpy(c.ac_tag, "ttymon3");
	c.ac_pid = -2;
	dump("admcmd", &c, sizeof c);

	memset(&a, 0, sizeof a);
	a.ak_resp = 8;
	a.ak_pid = 0x7f000001;
	a.ak_size = 0x00050607;
	dump("admack", &a, sizeof a);
	return 0;
}
