/**
 * Operating HA connections: the {@code ha} actuator endpoint and its web extension, the
 * health indicator, the Micrometer meters and the observation of recoveries. Depends on
 * {@code io.hacover.core}, the Spring layer ({@code io.hacover.spring}) and the optional
 * actuator and Micrometer libraries, never on an auto-configuration: the beans here are
 * made by {@code io.hacover.autoconfigure}.
 */
package io.hacover.actuate;
