/**
 * The preload bridge. It will expose only `invoke(channel, request)` and `on(event, callback)` for
 * the channels of the typed contract in shared/ (app issue); until then it exposes nothing.
 */
export {}
