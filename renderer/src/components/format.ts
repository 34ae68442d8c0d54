/** "10:32" today, "Mar 4, 10:32" otherwise (the holder's clock: shown, never compared). */
export function sinceLabel(iso: string, now = new Date()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return '?'
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false })
  return d.toDateString() === now.toDateString()
    ? hm
    : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })}, ${hm}`
}
