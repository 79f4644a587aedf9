import { expect, type Locator, type Page } from '@playwright/test'

import { HostListPage } from './host-list'

/** Fields of the host editor (add, edit, duplicate), by label. */
export interface HostFields {
  id?: string
  name?: string
  host?: string
  port?: number
  user?: string
  identityFile?: string
  proxyJump?: string
  auth?: 'auto' | 'publickey' | 'agent' | 'password'
  group?: string
}

/** Host management: the editor dialog, quick connect, ssh_config import, edit/duplicate/remove. */
export class HostAdmin {
  readonly hosts: HostListPage

  constructor(readonly page: Page) {
    this.hosts = new HostListPage(page)
  }

  /** The add/edit dialog (`Add host`, `Edit host <id>`, `Duplicate host <id>`). */
  editor(title: string | RegExp = /^(Add|Edit|Duplicate) host/): Locator {
    return this.page.getByRole('dialog', { name: title })
  }

  /** Fills the editor's fields that are given. */
  async fill(dialog: Locator, f: HostFields): Promise<void> {
    const set = async (label: string, v: string | number | undefined) => {
      if (v !== undefined) await dialog.getByLabel(label, { exact: true }).fill(String(v))
    }
    await set('Host id', f.id)
    await set('Display name', f.name)
    await set('Address', f.host)
    await set('Port', f.port)
    await set('User', f.user)
    await set('Identity file', f.identityFile)
    await set('Jump host', f.proxyJump)
    await set('Group', f.group)
    if (f.auth) await dialog.getByLabel('Authentication').selectOption(f.auth)
  }

  /** Opens the add dialog from the sidebar. */
  async openAdd(): Promise<Locator> {
    await this.hosts.nav.getByRole('button', { name: 'Add host…' }).click()
    return this.editor('Add host')
  }

  /** Selects a host and clicks one of its header actions (`Edit…`, `Duplicate…`, `Remove…`). */
  async action(id: string, action: 'Edit…' | 'Duplicate…' | 'Remove…'): Promise<void> {
    await this.hosts.select(id)
    await this.page
      .getByRole('main', { name: 'Host' })
      .getByRole('button', { name: action, exact: true })
      .click()
  }

  /** Submits the editor and waits for it to close. */
  async save(dialog: Locator): Promise<void> {
    await dialog.getByRole('button', { name: /^(Add host|Save)$/ }).click()
    await expect(dialog).toBeHidden()
  }

  /** Types `user@host:port` into quick connect and presses Enter. */
  async quickConnect(target: string): Promise<void> {
    const box = this.hosts.nav.getByRole('combobox', { name: 'Quick connect' })
    await box.fill(target)
    await box.press('Enter')
  }
}
