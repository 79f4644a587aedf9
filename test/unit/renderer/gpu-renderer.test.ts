import { afterEach, describe, expect, it } from 'vitest'

import {
  chooseRenderer,
  classifyGpu,
  gpuName,
  readRendererOverride,
  RENDERER_OVERRIDE_KEY,
} from '../../../renderer/features/terminals/gpu-renderer'

// Renderer strings as WebGL reports them (UNMASKED_RENDERER_WEBGL). The first is what Debian's
// Chromium 156 reports here in headless mode; the others are what Chrome, Firefox and Electron
// report on the named hardware and on Mesa's software drivers.
const SWIFTSHADER_ANGLE =
  'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)'

describe('classifyGpu: software rasterisers stay on the DOM renderer (docs/perf.md 3f)', () => {
  it.each([
    [SWIFTSHADER_ANGLE, 'SwiftShader (software)'],
    ['Google SwiftShader', 'SwiftShader (software)'],
    ['llvmpipe (LLVM 15.0.6, 256 bits)', 'llvmpipe (software)'],
    ['ANGLE (Mesa, llvmpipe (LLVM 15.0.7, 256 bits), OpenGL 4.5)', 'llvmpipe (software)'],
    ['softpipe', 'softpipe (software)'],
    [
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'Microsoft Basic Render Driver (software)',
    ],
    ['Mesa OffScreen', 'Mesa offscreen (software)'],
    ['GDI Generic', 'GDI Generic (software)'],
    ['Apple Software Renderer', 'software renderer'],
  ])('%s → DOM, %s', (gpu, reason) => {
    expect(classifyGpu(gpu)).toEqual({ renderer: 'dom', reason })
  })

  it('no WebGL context (or only one with a major performance caveat) → DOM, no WebGL', () => {
    expect(classifyGpu(null)).toEqual({ renderer: 'dom', reason: 'no WebGL' })
    expect(classifyGpu('')).toEqual({ renderer: 'dom', reason: 'no WebGL' })
    expect(classifyGpu('   ')).toEqual({ renderer: 'dom', reason: 'no WebGL' })
  })

  it('a masked renderer string does not tell the GPU → DOM', () => {
    expect(classifyGpu('WebKit WebGL')).toEqual({
      renderer: 'dom',
      reason: 'GPU unknown (masked)',
    })
  })
})

describe('classifyGpu: hardware GPUs get WebGL', () => {
  it.each([
    [
      'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'NVIDIA GeForce RTX 3080 (hardware)',
    ],
    [
      'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
      'Mesa Intel(R) UHD Graphics 620 (KBL GT2) (hardware)',
    ],
    ['AMD Radeon Pro 5500M OpenGL Engine', 'AMD Radeon Pro 5500M OpenGL Engine (hardware)'],
    [
      'ANGLE (Intel, Mesa Intel(R) UHD Graphics 630 (CFL GT2), OpenGL 4.6)',
      'Mesa Intel(R) UHD Graphics 630 (CFL GT2) (hardware)',
    ],
    [
      'ANGLE (Apple, ANGLE Metal Renderer: Apple M1 Pro, Unspecified Version)',
      'ANGLE Metal Renderer: Apple M1 Pro (hardware)',
    ],
  ])('%s → WebGL, %s', (gpu, reason) => {
    expect(classifyGpu(gpu)).toEqual({ renderer: 'webgl', reason })
  })
})

describe('gpuName', () => {
  it('takes the device field of an ANGLE string, nested parentheses included', () => {
    expect(gpuName(SWIFTSHADER_ANGLE)).toBe(
      'Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE))',
    )
    expect(
      gpuName('ANGLE (NVIDIA, NVIDIA GeForce GTX 1050 Ti Direct3D11 vs_5_0 ps_5_0, D3D11)'),
    ).toBe('NVIDIA GeForce GTX 1050 Ti')
  })

  it('leaves other strings as they are', () => {
    expect(gpuName('AMD Radeon Pro 5500M OpenGL Engine')).toBe('AMD Radeon Pro 5500M OpenGL Engine')
    expect(gpuName('ANGLE (odd)')).toBe('odd')
  })
})

describe('the localStorage override', () => {
  const g = globalThis as { localStorage?: Pick<Storage, 'getItem'> }
  const withStorage = (value: string | null) => {
    g.localStorage = { getItem: (k) => (k === RENDERER_OVERRIDE_KEY ? value : null) }
  }
  afterEach(() => {
    delete g.localStorage
  })

  it('reads dom and webgl; anything else is auto', () => {
    withStorage('dom')
    expect(readRendererOverride()).toBe('dom')
    withStorage('webgl')
    expect(readRendererOverride()).toBe('webgl')
    for (const v of ['auto', 'WebGL', 'canvas', '', null]) {
      withStorage(v)
      expect(readRendererOverride(), String(v)).toBe('auto')
    }
  })

  it('a storage that throws (blocked) counts as auto', () => {
    g.localStorage = {
      getItem: () => {
        throw new Error('SecurityError')
      },
    }
    expect(readRendererOverride()).toBe('auto')
  })

  it('a forced renderer skips detection and says so', () => {
    withStorage('webgl')
    expect(chooseRenderer()).toEqual({
      renderer: 'webgl',
      reason: `forced by ${RENDERER_OVERRIDE_KEY}`,
    })
    withStorage('dom')
    expect(chooseRenderer()).toEqual({
      renderer: 'dom',
      reason: `forced by ${RENDERER_OVERRIDE_KEY}`,
    })
  })
})
