/**
 * The recovery engine: the table of HA connections, their records, proxies and recovery.
 */
package io.hacover.core;
