/** Anything with a `dispose()` (xterm's `IDisposable`, an addon, a subscription). */
export interface Disposable {
  dispose(): void
}

/**
 * The resources one pane owns, disposed together in reverse order of adding (as xterm.js's and
 * VS Code's `DisposableStore`): the last thing set up is the first torn down. `dispose()` is
 * idempotent; anything added afterwards is disposed at once. A throwing `dispose()` does not stop
 * the others; the first error is rethrown at the end.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = []
  private disposed = false

  /** Adds `item` (answered for chaining) or disposes it now when the store is already disposed. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose()
    else this.items.push(item)
    return item
  }

  /** Adds a plain callback run at dispose time. */
  defer(fn: () => void): void {
    this.add({ dispose: fn })
  }

  get isDisposed(): boolean {
    return this.disposed
  }

  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    let first: unknown
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose()
      } catch (err) {
        first ??= err
      }
    }
    if (first !== undefined) throw first
  }
}
