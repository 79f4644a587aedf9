import { expect, type Download, type Locator, type Page } from '@playwright/test'

/** Parameters the drill form takes in tests (only the given ones are filled). */
export interface DrillParamsInput {
  device?: string
  iterations?: number
  timeoutMs?: number
  vfs?: number
  stopOnFailure?: boolean
}

/** The Drills tab: list, parameter form, plan dialog, run view and report export. */
export class DrillRunView {
  readonly run: Locator

  constructor(readonly page: Page) {
    this.run = page.getByRole('region', { name: 'Drill run' })
  }

  /** Opens the Drills tab. */
  async open(): Promise<void> {
    await this.page.getByRole('tab', { name: 'Drills' }).click()
    await expect(this.page.getByRole('region', { name: 'Drill list' })).toBeVisible()
  }

  /** Picks a drill by its title. */
  async pick(title: string): Promise<void> {
    await this.page.getByRole('button', { name: `Drill ${title}` }).click()
  }

  /** The plan dialog a drill goes through before it starts. */
  planDialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Confirm drill' })
  }

  /**
   * Fills parameters (only the given ones) and opens the plan dialog; resolves once the plan
   * (the confirmation sentence) is shown.
   */
  async openPlan(params: DrillParamsInput = {}): Promise<Locator> {
    const form = this.page.getByRole('form', { name: /^Parameters of / })
    if (params.device) await form.getByLabel('Device').selectOption(params.device)
    if (params.iterations !== undefined)
      await form.getByLabel('Iterations').fill(String(params.iterations))
    if (params.timeoutMs !== undefined)
      await form.getByLabel('Step timeout (ms)').fill(String(params.timeoutMs))
    if (params.vfs !== undefined)
      await form.getByLabel('VFs', { exact: true }).fill(String(params.vfs))
    if (params.stopOnFailure !== undefined)
      await form.getByLabel('Stop on first failure').setChecked(params.stopOnFailure)
    await form.getByRole('button', { name: 'Start drill…' }).click()
    const dialog = this.planDialog()
    await expect(dialog.getByLabel('Confirmation')).toBeVisible({ timeout: 30_000 })
    return dialog
  }

  /** Fills parameters, confirms the plan dialog and waits for the run view. */
  async start(params: DrillParamsInput = {}): Promise<void> {
    const dialog = await this.openPlan(params)
    await dialog.getByRole('button', { name: 'Start drill', exact: true }).click()
    await expect(dialog).toBeHidden({ timeout: 30_000 })
    await expect(this.run).toBeVisible({ timeout: 30_000 })
  }

  /** Opens step `name` (the newest one of that name) in the run view; its detail region. */
  async openStep(name: string): Promise<Locator> {
    const item = this.steps().filter({ hasText: name }).first()
    await item.locator('summary').click()
    const detail = item.getByRole('region', { name: new RegExp(`^Step \\d+: ${name}$`) })
    await expect(detail).toBeVisible()
    return detail
  }

  /** The progress bar (aria-valuenow 0–100). */
  progress(): Locator {
    return this.run.getByRole('progressbar', { name: 'Drill progress' })
  }

  /** The step a highlighted terminal line linked to. */
  linkedStep(): Locator {
    return this.run.getByRole('region', { name: 'Linked step' })
  }

  /** Live step list items. */
  steps(): Locator {
    return this.run.getByRole('list', { name: 'Steps' }).getByRole('listitem')
  }

  /** Findings list items. */
  findings(): Locator {
    return this.run.getByRole('list', { name: 'Findings' }).getByRole('listitem')
  }

  /** The uPlot timeline figure. */
  timeline(): Locator {
    return this.run.getByRole('figure', { name: 'Step duration timeline' })
  }

  /** Waits for the run to leave `running`; returns the final status text. */
  async waitForEnd(timeoutMs = 120_000): Promise<string> {
    await expect(this.run.getByRole('group', { name: 'Export report' })).toBeVisible({
      timeout: timeoutMs,
    })
    await expect(this.progress()).toHaveAttribute('aria-valuenow', '100')
    return (
      (await this.run.locator('header').innerText()).match(
        /passed|failed|error|aborted|interrupted/,
      )?.[0] ?? ''
    )
  }

  /** Cancels the running drill. */
  async cancel(): Promise<void> {
    await this.run.getByRole('button', { name: 'Cancel drill' }).click()
  }

  /** Exports the report; resolves with the browser download. */
  async export(format: 'JSON' | 'JUnit' | 'HTML' | 'repro.sh'): Promise<Download> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.run.getByRole('button', { name: `Export ${format}` }).click(),
    ])
    return download
  }

  /** Opens the History tab and returns the run history table. */
  async history(): Promise<Locator> {
    await this.page.getByRole('tab', { name: 'History' }).click()
    return this.page.getByRole('table', { name: 'Run history' })
  }
}
