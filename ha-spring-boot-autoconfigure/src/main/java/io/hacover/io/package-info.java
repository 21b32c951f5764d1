/**
 * The socket cover: TCP connections to one of several endpoints that reconnect, fail over
 * and re-handshake by themselves when the server behind them dies.
 */
package io.hacover.io;
