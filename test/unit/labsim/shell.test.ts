import { describe, expect, it } from 'vitest'
import { testHost } from './sim'

// The POSIX-shell subset of issue 3 "Shell and serving" (POSIX XCU 2.x semantics, bash wording).
const { run } = testHost()

describe('labsim shell interpreter: lists, quoting, pipes, redirections', () => {
  it('runs lists with ; && || and keeps $?', async () => {
    expect((await run('false; echo $?')).stdout).toBe('1\n')
    expect((await run('true && echo a || echo b')).stdout).toBe('a\n')
    expect((await run('false && echo a || echo b')).stdout).toBe('b\n')
    expect((await run('! false && echo negated')).stdout).toBe('negated\n')
  })

  it("quotes: single, double, $'…', escapes and parameter expansions", async () => {
    const r = await run(
      `a='x y'; echo "$a" '$a' $'t\\tz' \\$a "\${a%% *}" "\${#a}" "\${u:-def}" "\${a/x/q}"`,
    )
    expect(r.stdout).toBe('x y $a t\tz $a x 3 def q y\n')
  })

  it('splits unquoted expansions into fields', async () => {
    expect((await run('a="1 2  3"; for i in $a; do echo "[$i]"; done')).stdout).toBe(
      '[1]\n[2]\n[3]\n',
    )
  })

  it('pipes into grep, head, tail, wc, sort, tr, cut', async () => {
    expect((await run('printf "b\\na\\nc\\n" | sort | head -n 2 | tr a-z A-Z')).stdout).toBe(
      'A\nB\n',
    )
    expect((await run('printf "1\\n2\\n3\\n" | tail -1')).stdout).toBe('3\n')
    expect((await run('printf "x:y:z\\n" | cut -d: -f2')).stdout).toBe('y\n')
    expect((await run('printf "a\\nb\\na\\n" | grep -c a')).stdout).toBe('2\n')
    expect((await run('printf "a\\nb\\n" | wc -l')).stdout).toBe('2\n')
  })

  it('redirects > >> 2> 2>&1 and </dev/null', async () => {
    const r = await run(
      'echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f; cat /nope 2>/dev/null; echo rc=$?; cat /nope 2>&1 | head -1; cat </dev/null',
    )
    expect(r.stdout).toBe('one\ntwo\nrc=1\ncat: /nope: No such file or directory\n')
    expect(r.stderr).toBe('')
  })

  it('expands globs against sysfs and keeps unmatched globs literal', async () => {
    const r = await run(
      'for f in /sys/bus/pci/devices/*/sriov_numvfs; do echo $f; done; echo /nonexist/*',
    )
    expect(r.stdout).toBe(
      '/sys/bus/pci/devices/0000:08:00.0/sriov_numvfs\n/sys/bus/pci/devices/0000:08:00.1/sriov_numvfs\n/nonexist/*\n',
    )
  })
})

describe('labsim shell interpreter: expansions, control flow, builtins', () => {
  it('supports command substitution, arithmetic, $$ and functions', async () => {
    const r = await run(
      'n=$(cat /sys/bus/pci/devices/0000:08:00.0/sriov_totalvfs); echo "$((n * 2 + 1))"; f() { echo "arg=$1"; }; f hi; echo $$',
    )
    expect(r.stdout).toBe('17\narg=hi\n4242\n')
  })

  it('runs if/elif/else, case and while read', async () => {
    const r = await run(
      'if [ -e /nope ]; then echo a; elif [ -d /sys ]; then echo b; else echo c; fi; case enp8s0f0np0 in *np[0-9]) echo up;; *) echo other;; esac; printf "x 1\\ny 2\\n" | while read k v; do echo "$v$k"; done',
    )
    expect(r.stdout).toBe('b\nup\n1x\n2y\n')
  })

  it('implements test/[ file and string operators', async () => {
    const r = await run(
      '[ -L /sys/bus/pci/devices/0000:08:00.0 ] && [ -f /sys/bus/pci/devices/0000:08:00.0/vendor ] && [ -n x ] && [ -z "" ] && test 3 -gt 2 && [ ! -e /x ] && echo ok',
    )
    expect(r.stdout).toBe('ok\n')
    expect((await run('[ 1 -gt ]')).code).toBe(2)
  })

  it('prints printf formats and reuses the format for extra arguments', async () => {
    expect((await run('printf "%s=%d;" a 1 b 2; printf "%05.1s|%-3s|%x\\n" zz q 255')).stdout).toBe(
      'a=1;b=2;    z|q  |ff\n',
    )
  })
})

describe('labsim shell interpreter: errors and utilities', () => {
  it('answers unknown commands with 127 in bash wording and dash wording for sh -c', async () => {
    expect(await run('nosuch')).toEqual({
      stdout: '',
      stderr: 'bash: line 1: nosuch: command not found\n',
      code: 127,
    })
    expect(await run("sh -c 'nosuch'")).toEqual({
      stdout: '',
      stderr: 'sh: 1: nosuch: not found\n',
      code: 127,
    })
  })

  it('passes positional parameters to sh -c and supports exec', async () => {
    expect((await run(`sh -c 'echo "$0 $1"; exec echo done' first second`)).stdout).toBe(
      'first second\ndone\n',
    )
  })

  it('reports syntax errors with status 2 instead of crashing', async () => {
    const r = await run("echo 'unterminated")
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^bash: line 1: syntax error: /)
  })

  it('command -v, basename, dirname, readlink, ls', async () => {
    const r = await run(
      'command -v devlink; command -v nope || echo none; basename /a/b/c.txt .txt; dirname /a/b/c; readlink /sys/bus/pci/devices/0000:08:00.0/driver; ls /sys/bus/pci/drivers/mlx5_core | head -3',
    )
    expect(r.stdout).toBe(
      '/usr/sbin/devlink\nnone\nc\n/a/b\n../../../../bus/pci/drivers/mlx5_core\n0000:08:00.0\n0000:08:00.1\nbind\n',
    )
  })

  it('timeout kills a blocking command with 124', async () => {
    const r = await run('timeout 0.05 cat /sys/kernel/debug/tracing/trace_pipe; echo rc=$?')
    expect(r.stdout).toMatch(/rc=124\n$/)
  })

  it('mkdir -p and writing into sysfs directories is refused', async () => {
    expect((await run('mkdir -p /run/replab/x && echo ok')).stdout).toBe('ok\n')
    const r = await run('echo x > /sys/bus/pci/newfile')
    expect(r).toMatchObject({
      code: 1,
      stderr: 'bash: line 1: /sys/bus/pci/newfile: Permission denied\n',
    })
  })
})
