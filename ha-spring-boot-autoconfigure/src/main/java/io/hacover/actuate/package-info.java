/**
 * Operating HA connections: the actuator endpoint, health and Micrometer meters and
 * observations.
 */
package io.hacover.actuate;
