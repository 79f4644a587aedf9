import { loadFunctions, unloadFunctions } from './driver'
import { KernelError } from './errno'
import type { Kernel } from './kernel'
import type { Pf, Reporter } from './mlx5-types'
import { addVfIb } from './sriov'

const CRDUMP_BYTES = 4096

/**
 * Tells `devlink monitor` a reporter changed state, as the kernel does when a report moves it
 * to error and when a recovery ends (net/devlink/health.c `devlink_recover_notify`, command
 * DEVLINK_CMD_HEALTH_REPORTER_RECOVER, which iproute2 prints as `[health,status]`).
 */
export function notifyHealth(kernel: Kernel, pf: Pf, r: Reporter): void {
  kernel.devlinkNotify({
    command: 'status',
    object: 'health',
    handle: `pci/${pf.bdf}`,
    attrs: { reporter: r.name, state: r.state, error: r.error, recover: r.recover },
  })
}

/** The fw_fatal reporter of a PF. */
export function fatalReporter(pf: Pf): Reporter {
  const r = pf.reporters.find((x) => x.name === 'fw_fatal')
  if (!r) throw new Error('fw_fatal reporter missing')
  return r
}

/** A deterministic CR-space snapshot (size: our stand-in for the fw "scan crspace" size). */
export function collectCrdump(pf: Pf): Buffer {
  const bytes = Buffer.alloc(CRDUMP_BYTES)
  let x = pf.pfnum * 7919 + Date.now()
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    bytes[i] = x & 0x7f
  }
  return bytes
}

function healthBuffer(kernel: Kernel, pf: Pf): void {
  const [major = '0', minor = '0', sub = '0'] = pf.card.info.fwVersion.split('.')
  const raw = ((Number(major) << 24) | (Number(minor) << 16) | Number(sub)) >>> 0
  const lines = [
    'Health issue observed, firmware internal error, severity(3) ERROR:',
    'assert_var[0] 0x00000001',
    'assert_var[1] 0x00000000',
    'assert_var[2] 0x00000000',
    'assert_var[3] 0x00000000',
    'assert_var[4] 0x00000000',
    'assert_exit_ptr 0x00a1f3b8',
    'assert_callra 0x00a1c0e4',
    `fw_ver ${pf.card.info.fwVersion}`,
    `time ${Math.floor(Date.now() / 1000)}`,
    'hw_id 0x0000020f',
    'rfr 1',
    'severity 3 (ERROR)',
    'irisc_index 3',
    'synd 0x1: firmware internal error',
    'ext_synd 0x8f7a',
    `raw fw_ver 0x${raw.toString(16).padStart(8, '0')}`,
  ]
  for (const line of lines) kernel.devLog(pf.bdf, `print_health_info:432:(pid 0): ${line}`)
}

/**
 * Injected firmware assert (`fw-assert <handle>`). With SW_RECOVERY_ON_ERRORS the firmware
 * raises the Recover-Flow-Request bit and the fatal flow of docs/domain.md §3.2 runs; without it
 * the assert is only a non-fatal `fw` reporter event ("FW syndrome reported").
 */
export function injectFwAssert(kernel: Kernel, pf: Pf): void {
  kernel.fwTrace(pf, 'ASSERT: irisc 3 assert at 0x00a1f3b8, ext_synd 0x8f7a', 0x1)
  if (!pf.card.swRecoveryOnErrors) {
    const fw = pf.reporters.find((r) => r.name === 'fw')
    if (fw) fw.error++
    healthBuffer(kernel, pf)
    return
  }
  void fatalFlow(kernel, pf, 5).catch(() => undefined)
}

/**
 * The fatal-error flow (health.c): poll detects the sensor (2 s poll + ≤1 s jitter), prints
 * the health buffer, reports to fw_fatal (error++, auto-dump = crdump). Auto-recover unless a
 * second fatal error lands inside the grace period, in which case the driver unloads.
 */
export async function fatalFlow(kernel: Kernel, pf: Pf, sensor: number): Promise<void> {
  if (pf.state !== 'up' || !pf.bound) return
  await kernel.clock.sleep(2000 + Math.random() * 1000)
  if (pf.state !== 'up' || !pf.bound) return
  pf.state = 'error'
  kernel.devLog(pf.bdf, `poll_health:803:(pid 0): Fatal error ${sensor} detected`)
  if (sensor === 5) healthBuffer(kernel, pf)
  const fatal = fatalReporter(pf)
  fatal.error++
  fatal.state = 'error'
  notifyHealth(kernel, pf, fatal)
  if (fatal.autoDump) {
    pf.crdump = collectCrdump(pf)
    fatal.lastDump = new Date()
    fatal.dump = { crdump_data: [...pf.crdump] }
  }
  for (const name of [pf.netdev, ...[...pf.reps.values()].map((r) => r.netdev)]) {
    const netdev = name ? kernel.netdevs.get(name) : undefined
    if (netdev) netdev.up = false
  }
  const grace =
    fatal.lastRecoverAt !== undefined &&
    performance.now() - fatal.lastRecoverAt < kernel.clock.scaled(fatal.gracePeriod ?? 0)
  if (!fatal.autoRecover) return
  if (grace) {
    kernel.devLog(
      pf.bdf,
      'mlx5_fw_fatal_reporter_err_work:738:(pid 512): Driver is in error state. Unloading',
    )
    await pf.devlinkLock.run(async () => unloadFunctions(kernel, pf))
    pf.state = 'unloaded'
    return
  }
  await recoverPf(kernel, pf)
}

/** Health recovery (`mlx5_health_try_recover`): teardown, SW reset, reload; counters move. */
export async function recoverPf(kernel: Kernel, pf: Pf, signal?: AbortSignal): Promise<void> {
  const fatal = fatalReporter(pf)
  await pf.devlinkLock.run(async () => {
    kernel.devLog(pf.bdf, 'mlx5_health_try_recover:343:(pid 512): handling bad device here')
    kernel.devLog(pf.bdf, 'mlx5_error_sw_reset:236:(pid 512): start')
    if (pf.state !== 'unloaded') unloadFunctions(kernel, pf)
    kernel.fwTrace(pf, 'NIC SW reset: issuing FW reset')
    await kernel.clock.sleep(1000, signal)
    kernel.devLog(pf.bdf, 'mlx5_error_sw_reset:271:(pid 512): end')
    kernel.devLog(pf.bdf, 'mlx5_health_try_recover:353:(pid 512): starting health recovery flow')
    await kernel.clock.sleep(1500, signal)
    pf.state = 'up'
    await loadFunctions(kernel, pf, signal)
    if (kernel.modules.has('mlx5_ib')) for (const vf of pf.vfs) addVfIb(kernel, pf, vf)
    kernel.devLog(pf.bdf, 'health recovery succeeded')
  })
  fatal.recover++
  fatal.state = 'healthy'
  notifyHealth(kernel, pf, fatal)
  fatal.lastRecoverAt = performance.now()
}

/** `devlink health recover DEV reporter R`: healthy → no-op; fw/vnic → EOPNOTSUPP. */
export async function recoverReporter(
  kernel: Kernel,
  pf: Pf,
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<void> {
  if (reporter.gracePeriod === undefined) throw new KernelError('EOPNOTSUPP')
  if (reporter.state === 'healthy' && pf.state === 'up') return
  if (reporter.name === 'fw_fatal') return recoverPf(kernel, pf, signal)
  reporter.recover++
  reporter.state = 'healthy'
  notifyHealth(kernel, pf, reporter)
}

/** `devlink health diagnose`: the reporter's fmsg object (fw_fatal has no diagnose op). */
export function diagnose(pf: Pf, reporter: Reporter): Record<string, unknown> {
  switch (reporter.name) {
    case 'fw':
      return pf.state === 'up'
        ? { Syndrome: 0 }
        : { Syndrome: 1, Description: 'firmware internal error' }
    case 'vnic':
      return {
        'vNIC env counters': {
          total_error_queues: 0,
          send_queue_priority_update_flow_table: 0,
          comp_eq_overrun: 0,
          async_eq_overrun: 0,
          cq_overrun: 0,
          invalid_command: 0,
          quota_exceeded_command: 0,
          nic_receive_steering_discard: 0,
        },
      }
    case 'tx':
    case 'rx':
      return {
        'Common config': {
          [reporter.name === 'tx' ? 'SQ' : 'RQ']: { 'stride size': 64, size: 1024 },
        },
      }
    default:
      throw new KernelError('EOPNOTSUPP')
  }
}

/** `devlink health dump show`: fw_fatal = crdump (PF only), fw = health buffer + traces. */
export function dump(pf: Pf, reporter: Reporter): Record<string, unknown> {
  if (reporter.name === 'fw_fatal') {
    if (!reporter.dump) {
      pf.crdump = collectCrdump(pf)
      reporter.dump = { crdump_data: [...pf.crdump] }
      reporter.lastDump = new Date()
    }
    return reporter.dump
  }
  if (reporter.name === 'fw') {
    if (pf.pfnum !== 0) throw new KernelError('EPERM')
    return { fw_miss_counter: 0, 'dump fw traces': [] }
  }
  throw new KernelError('EOPNOTSUPP')
}
