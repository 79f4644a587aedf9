import { defineConfig } from 'vitest/config'

// The real-kernel suite: one QEMU VM (Debian's kernel, upstream netdevsim, an NVMe SR-IOV PF)
// booted once by the global set-up and shared by every file, so files run one after another.
export default defineConfig({
  test: {
    include: ['test/realkernel/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/realkernel/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default'],
  },
})
