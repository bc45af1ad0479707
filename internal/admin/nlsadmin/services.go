package nlsadmin

import (
	"errors"
	"fmt"
	"os"

	"github.com/linux-saf/saf/internal/etcservices"
	"github.com/linux-saf/saf/saf/nlsaddr"
)

// servicesEnv names another services(5) file than /etc/services, for tests
// and for importing another system's inetd.conf (--import-inetd).
const servicesEnv = "SAF_SERVICES"

// servicesCache holds the services file once read: one nlsadmin run
// resolves many names when it imports an inetd.conf.
type servicesCache struct {
	tab etcservices.Table
	err error
}

// serviceTable reads c.servicesPath the first time it is needed.
func (c *cmd) serviceTable() (etcservices.Table, error) {
	if c.portsRead == nil {
		c.portsRead = &servicesCache{}
		c.portsRead.tab, c.portsRead.err = readServices(c.servicesPath)
	}
	return c.portsRead.tab, c.portsRead.err
}

func readServices(path string) (etcservices.Table, error) {
	if path == "" {
		return nil, errors.New(msgNoServicesFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf(msgServicesRead, err)
	}
	defer f.Close() // read-only: a close error changes nothing
	tab, err := etcservices.Parse(f)
	if err != nil {
		return nil, fmt.Errorf(msgServicesParse, path, err)
	}
	return tab, nil
}

// servicePort resolves a service name for proto ("tcp" or "udp").
func (c *cmd) servicePort(name, proto string) (uint16, error) {
	tab, err := c.serviceTable()
	if err != nil {
		return 0, err
	}
	e, ok := tab.Lookup(name, proto)
	if !ok {
		return 0, fmt.Errorf(msgServiceUnknown, name, proto, c.servicesPath)
	}
	return e.Port, nil
}

// portLookup resolves the service names of readable addresses for proto
// ("" means tcp, as in the OPTIONS field).
func (c *cmd) portLookup(proto string) nlsaddr.PortFunc {
	if proto == "" {
		proto = "tcp"
	}
	return func(name string) (uint16, error) { return c.servicePort(name, proto) }
}
