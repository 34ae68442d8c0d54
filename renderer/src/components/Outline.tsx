import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useShallow } from 'zustand/react/shallow'
import type { LockView } from '../../../shared/contract'
import type { OutlineItem } from '../editor'
import { userColour } from '../editor/lock-decorations'
import { useApp } from '../state/use-app'
import { outlineKey } from '../state/document'
import { formatSince } from '../../../shared/format-time'

function Badge({ sectionId, lock, now }: { sectionId: string; lock: LockView; now: number }) {
  return (
    <span
      className={`badge ${lock.mine ? 'mine' : ''}`}
      data-testid={`badge-${sectionId}`}
      style={{ borderColor: userColour(lock.holder.ownerId) }}
      title={`${lock.holder.user} on ${lock.holder.host}, since ${formatSince(lock.holder.since, now)}${lock.stale ? ' (not answering)' : ''}`}
    >
      <span className="swatch" style={{ background: userColour(lock.holder.ownerId) }} />
      {lock.mine ? 'You' : lock.mineElsewhere ? 'You (other window)' : lock.holder.user}
      <span className="muted">
        {' '}
        · {lock.holder.host} · {formatSince(lock.holder.since, now)}
        {lock.stale ? ' · not answering' : ''}
      </span>
    </span>
  )
}

/** What a row needs besides its item; stable between renders (store actions). */
interface RowActions {
  focus(pos: number): void
  history(sectionId: string): Promise<void>
  request(sectionId: string): Promise<void>
  move(sectionId: string, beforeId: string | null): Promise<void>
  remove(sectionId: string): Promise<void>
  now(): number
}

interface RowProps {
  item: OutlineItem
  index: number
  /** Where the row sits in the list (px); rows are positioned, not flowed. */
  top: number
  lock: LockView | undefined
  heldByOther: boolean
  structure: boolean
  asked: boolean
  /** Ids before which "up" and "down" move the section (undefined: the button is off). */
  upBefore: string | null | undefined
  downBefore: string | null | undefined
  actions: RowActions
  measure: (el: HTMLLIElement | null) => void
}

/** One outline row; memoised, so typing re-renders only the rows whose item or lock changed. */
const OutlineRow = memo(function OutlineRow({
  item: s,
  index,
  top,
  lock,
  heldByOther,
  structure,
  asked,
  upBefore,
  downBefore,
  actions,
  measure
}: RowProps) {
  const id = s.id
  return (
    <li
      ref={measure}
      data-index={index}
      style={{ paddingLeft: `${Math.max(0, s.level - 1) * 12}px`, transform: `translateY(${top}px)` }}
      data-section={id ?? ''}
      data-testid="outline-item"
    >
      <button className="heading link" onClick={() => actions.focus(s.from)} title="Go to this section">
        {s.heading || 'Preamble'}
      </button>
      {id === null && (
        <span className="badge mine" title="A heading you typed: it becomes a section when you save">
          new
        </span>
      )}
      {lock && id !== null && <Badge sectionId={id} lock={lock} now={actions.now()} />}
      {id !== null && (
        <span className="section-actions">
          <button
            className="small"
            data-testid={`history-${id}`}
            onClick={() => void actions.history(id)}
            title="Versions of this section"
          >
            History
          </button>
          {heldByOther && (
            <button
              className="small"
              data-testid={`request-${id}`}
              disabled={asked}
              onClick={() => void actions.request(id)}
            >
              {asked ? 'Asked…' : 'Request edit'}
            </button>
          )}
          {structure && id !== 'preamble' && (
            <>
              <button
                className="small"
                aria-label={`Move ${s.heading} up`}
                disabled={upBefore === undefined}
                onClick={() => void actions.move(id, upBefore ?? null)}
              >
                ↑
              </button>
              <button
                className="small"
                aria-label={`Move ${s.heading} down`}
                disabled={downBefore === undefined}
                onClick={() => void actions.move(id, downBefore ?? null)}
              >
                ↓
              </button>
              <button
                className="small danger"
                data-testid={`delete-${id}`}
                onClick={() => {
                  if (window.confirm(`Delete “${s.heading}”? Its text stays in the history and in a backup.`))
                    void actions.remove(id)
                }}
              >
                Delete
              </button>
            </>
          )}
        </span>
      )}
    </li>
  )
})

/** A row's height before it is measured (one line of heading). */
const ROW_ESTIMATE_PX = 26

/**
 * The sections of what the editor shows (headings typed but not saved yet included), with a badge on
 * each locked one (holder, computer, since when, a colour per writer); per section: history, "request
 * edit" when someone else holds it, and in structure mode (the document lock) move up/down and delete.
 * Virtualised: only the rows in and near the sidebar's view are in the page (a 25,000-section
 * document is a few dozen list items, not 25,000), and locks are looked up in a map, not per row.
 */
export function Outline() {
  const { outline, keyed, locks, outgoing, document } = useApp(
    useShallow((s) => ({
      outline: s.outline,
      keyed: s.outlineKeyed,
      locks: s.locks,
      outgoing: s.outgoing,
      document: s.current
    }))
  )
  const actions: RowActions = useApp(
    useShallow((s) => ({
      focus: s.focusAt,
      history: s.showHistory,
      request: s.requestEdit,
      move: s.moveSection,
      remove: s.deleteSection,
      now: s.now
    }))
  )
  const listRef = useRef<HTMLUListElement>(null)
  const bySection = useMemo(() => {
    const m = new Map<string, LockView>()
    for (const l of locks)
      if (l.kind === 'section' && l.sectionId && !m.has(l.sectionId)) m.set(l.sectionId, l)
    return m
  }, [locks])
  const asked = useMemo(() => new Set(Object.values(outgoing).map((o) => o.sectionId)), [outgoing])
  const docLock = locks.find((l) => l.kind === 'document')
  // Where the list starts in the sidebar (the folder tree and headings above it scroll too).
  const [margin, setMargin] = useState(0)
  const docLocked = docLock !== undefined
  useLayoutEffect(() => setMargin(listRef.current?.offsetTop ?? 0), [document, docLocked])
  // The virtualiser lays every row out again (O(rows)) whenever `getItemKey` is a new function: one
  // per set of row keys, not per render (opening a 20 MB document renders this four times over
  // 100,000 rows) nor per outline (another writer's save moves the later rows, not their keys).
  const getItemKey = useCallback((i: number) => outlineKey(keyed[i], i), [keyed])
  // TanStack Virtual returns fresh functions each render; this component is not compiler-memoised
  // (the rows are, with React.memo).
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: outline.length,
    getScrollElement: () => listRef.current?.closest('.sidebar') ?? null,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 15,
    scrollMargin: margin,
    getItemKey
  })
  if (!document) return null
  const structure = docLock?.mine === true
  return (
    <nav className="outline" aria-label="Sections" data-testid="outline">
      <h2>Sections</h2>
      {docLock && (
        <p className="doc-lock" data-testid="document-lock">
          Whole document locked by {docLock.mine ? 'you' : `${docLock.holder.user} on ${docLock.holder.host}`}{' '}
          (structure change)
        </p>
      )}
      <ul ref={listRef} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const s = outline[v.index]
          const id = s.id
          const lock = id === null ? undefined : bySection.get(id)
          const heldByOther = lock
            ? !lock.mine && !lock.mineElsewhere
            : docLock !== undefined && !docLock.mine
          const last = outline.length - 1
          return (
            <OutlineRow
              key={v.key}
              item={s}
              index={v.index}
              top={v.start - margin}
              lock={lock}
              heldByOther={heldByOther}
              structure={structure}
              asked={id !== null && asked.has(id)}
              upBefore={v.index <= 1 ? undefined : (outline[v.index - 1]?.id ?? null)}
              downBefore={v.index === last ? undefined : (outline[v.index + 2]?.id ?? null)}
              actions={actions}
              measure={virtualizer.measureElement}
            />
          )
        })}
      </ul>
    </nav>
  )
}
