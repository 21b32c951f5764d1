/**
 * The recovery engine: the table of HA connections, their records, proxies and recovery.
 * Plain Java with spring-core only; it knows no other hacover package.
 */
package io.hacover.core;
