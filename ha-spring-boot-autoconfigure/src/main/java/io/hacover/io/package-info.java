/**
 * The covers for channels, streams and sockets: files and HTTP files read through
 * channels that reopen at the same position, and TCP connections to one of several
 * endpoints that reconnect, fail over and re-handshake by themselves when the server
 * behind them dies. Depends on {@code io.hacover.core}, the JDK and spring-core only.
 */
package io.hacover.io;
