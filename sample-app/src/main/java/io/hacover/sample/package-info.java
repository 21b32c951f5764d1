/**
 * A Spring Boot application that uses hacover as an application would: an
 * {@code @HaAware} client bean, a data source declared under {@code ha.connections}, an
 * HTTP file channel opened in code, and the {@code ha} actuator endpoint, behind a live
 * page; and two example programs of the C library's guide. Depends on what the starter
 * offers an application ({@code io.hacover.core}, the covers, {@code io.hacover.spring}),
 * never on {@code io.hacover.autoconfigure}, which Spring Boot applies by itself.
 */
package io.hacover.sample;
