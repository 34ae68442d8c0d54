/** The one door to the shared folder; its code is in share-fs/ (being split by concern). */
export * from './share-fs/write'
