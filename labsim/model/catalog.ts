/**
 * mlx5 card models with real PCI ids (drivers/net/ethernet/mellanox/mlx5/core/main.c
 * `mlx5_core_pci_table`, docs/domain.md §2.9), lspci names (pci.ids), firmware
 * families (fw major 16 = CX-5, 22 = CX-6 Dx, 28 = CX-7, 24 = BlueField-2; docs/domain.md §2.6).
 */
export interface CardModelInfo {
  readonly model: CardModel
  readonly deviceId: number
  readonly vfDeviceId: number
  readonly lspciName: string
  readonly lspciVfName: string
  readonly fwVersion: string
  readonly psid: string
  /** BlueField ECPF: the Arm side is the E-Switch manager (PF vport has a representor). */
  readonly ecpf: boolean
}

/** Supported card models. */
export type CardModel = 'ConnectX-5' | 'ConnectX-6 Dx' | 'ConnectX-7' | 'BlueField-2'

const genericVf = 'ConnectX Family mlx5Gen Virtual Function'

/** The catalog, keyed by model name. */
export const catalog: Record<CardModel, CardModelInfo> = {
  'ConnectX-5': {
    model: 'ConnectX-5',
    deviceId: 0x1017,
    vfDeviceId: 0x1018,
    lspciName: 'MT27800 Family [ConnectX-5]',
    lspciVfName: 'MT27800 Family [ConnectX-5 Virtual Function]',
    fwVersion: '16.35.2000',
    psid: 'MT_0000000008',
    ecpf: false,
  },
  'ConnectX-6 Dx': {
    model: 'ConnectX-6 Dx',
    deviceId: 0x101d,
    vfDeviceId: 0x101e,
    lspciName: 'MT2892 Family [ConnectX-6 Dx]',
    lspciVfName: genericVf,
    fwVersion: '22.39.1002',
    psid: 'MT_0000000359',
    ecpf: false,
  },
  'ConnectX-7': {
    model: 'ConnectX-7',
    deviceId: 0x1021,
    vfDeviceId: 0x101e,
    lspciName: 'MT2910 Family [ConnectX-7]',
    lspciVfName: genericVf,
    fwVersion: '28.39.1002',
    psid: 'MT_0000000838',
    ecpf: false,
  },
  'BlueField-2': {
    model: 'BlueField-2',
    deviceId: 0xa2d6,
    vfDeviceId: 0x101e,
    lspciName: 'MT42822 BlueField-2 integrated ConnectX-6 Dx network controller',
    lspciVfName: genericVf,
    fwVersion: '24.35.2000',
    psid: 'MT_0000000376',
    ecpf: true,
  },
}

/** Formats a PCI id as sysfs prints it: `0x101d`. */
export function hexId(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`
}
