/**
 * The stub tools of a bench fake host (host.ts), bind-mounted over the real binaries inside the
 * host's mount namespace: POSIX `sh` scripts that print what the model (model.ts) last rendered
 * into `/sys/kernel/fakekernel/<name>` (`cat`, one fork), and follow the monitor files with
 * `tail -f`. `devlink dev eswitch set` hands the request to the model (host.ts watches the file)
 * and returns once the new mode is up, as the kernel does (docs/domain.md §1.2, §6).
 */

/** Where the state files are inside the namespace (the host's sysfs tree is bound at /sys). */
export const STATE = '/sys/kernel/fakekernel'

/** The tools replaced, and where the real ones live on Debian 12. */
export const STUBBED: Readonly<Record<string, string>> = {
  devlink: '/usr/sbin/devlink',
  ip: '/usr/bin/ip',
  rdma: '/usr/bin/rdma',
  lspci: '/usr/bin/lspci',
}

const DEVLINK = `#!/bin/sh
S=${STATE}
if [ "$1" = -j ]; then shift; fi
case "$*" in
  'dev show'*|'dev') exec cat $S/dev ;;
  'port show'*|'port') exec cat $S/port ;;
  'dev eswitch show '*) exec cat $S/eswitch ;;
  'dev eswitch set '*)
    case "$6" in legacy|switchdev) ;; *) echo "Error: invalid eswitch mode" >&2; exit 1 ;; esac
    echo "$6" > $S/req.$$ && mv $S/req.$$ $S/req
    i=0
    while [ $i -lt 2000 ]; do
      case "$(cat $S/eswitch)" in *"\\"$6\\""*) exit 0 ;; esac
      sleep 0.001
      i=$((i+1))
    done
    echo "devlink (fake host): the mode did not come up" >&2
    exit 1 ;;
  'health show'*) exec cat $S/health ;;
  'dev info'*) exec cat $S/info ;;
  monitor*) printf '{"mon":['; exec tail -n0 -f $S/devlink.mon ;;
  *) echo "devlink (fake host): not modelled: $*" >&2; exit 1 ;;
esac
`

const IP = `#!/bin/sh
S=${STATE}
case "$*" in
  *monitor*) exec tail -n0 -f $S/ip.mon ;;
  *link*show*|*addr*show*) exec cat $S/links ;; # addr show: no modelled netdev has an address
  *) echo "ip (fake host): not modelled: $*" >&2; exit 1 ;;
esac
`

const RDMA = `#!/bin/sh
case "$*" in
  *link*|*dev*) echo '[]' ;;
  *) echo "rdma (fake host): not modelled: $*" >&2; exit 1 ;;
esac
`

const LSPCI = `#!/bin/sh
exit 0
`

/** Script text per stubbed tool. */
export const STUB_SCRIPTS: Readonly<Record<string, string>> = {
  devlink: DEVLINK,
  ip: IP,
  rdma: RDMA,
  lspci: LSPCI,
}
