package com.example.outside;

public interface Clock {

	long tick();

	class Counting implements Clock {

		private long ticks;

		@Override
		public long tick() {
			return ++this.ticks;
		}

	}

}
