/** The fd number of the handed-over listening socket in the backend (handoff): after stdio and the notification pipe. */
export const listenFd = 4;
