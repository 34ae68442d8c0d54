/**
 * The open flags every read and write of the share adds, so that a planted link or pipe is refused
 * by the open itself.
 */
import { constants } from 'node:fs'

/** `O_NOFOLLOW`/`O_NONBLOCK` where the platform has them (Windows has neither, and no FIFOs or symlink plants by non-admins). */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0
export const NONBLOCK = constants.O_NONBLOCK ?? 0
