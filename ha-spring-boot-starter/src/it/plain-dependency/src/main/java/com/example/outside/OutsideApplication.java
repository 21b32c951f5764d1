package com.example.outside;

import io.hacover.core.RecoveryFunction;
import io.hacover.spring.HaAware;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class OutsideApplication {

	@Bean
	@HaAware(recovery = "renew")
	Clock clock() {
		return new Clock.Counting();
	}

	@Bean
	RecoveryFunction<Clock> renew() {
		return (context) -> new Clock.Counting();
	}

	public static void main(String[] args) {
		SpringApplication.run(OutsideApplication.class, args);
	}

}
