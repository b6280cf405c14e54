// Declarations only (no C code is compiled): the symbols the linker script defines, for Startup.swift.
#pragma once
extern unsigned int _sidata; // .data's load address in flash
extern unsigned int _sdata;  // .data in RAM
extern unsigned int _edata;
extern unsigned int _sbss;   // .bss in RAM
extern unsigned int _ebss;
extern unsigned int _uplink_ticks; // the millisecond counter SysTick increments (one word of RAM)
