/* SPDX-License-Identifier: MIT */
/*
 * kernel.ld.S - the kernel image, preprocessed with the board's board.h.
 * Linked at KIMAGE_VA (upper half), loaded at KIMAGE_PA: QEMU loads each
 * segment at its physical address (LMA) and hands e_entry, which must
 * therefore be physical, to OpenSBI. Sections are page aligned so each
 * gets its own permissions in kvm.c.
 */
#include "memlayout.h"

OUTPUT_ARCH(riscv)
ENTRY(_start_pa)

SECTIONS
{
	. = KIMAGE_VA;
	_text = .;
	.text : AT(KIMAGE_PA) {
		*(.text.entry)
		. = ALIGN(4096);
		_trampoline = .;
		*(.text.trampoline) /* one page, mapped at TRAMPOLINE too */
		_etrampoline = .;
		*(.text .text.*)
	}
	. = ALIGN(4096);
	_etext = .;

	_srodata = .;
	.rodata : {
		*(.rodata .rodata.*)
		*(.srodata .srodata.*)
	}
	. = ALIGN(4096);
	_erodata = .;

	_sdata = .;
	.data : {
		*(.data .data.*)
		*(.sdata .sdata.*)
	}
	. = ALIGN(16);
	__bss_start = .;
	.bss : {
		*(.sbss .sbss.*)
		*(.bss .bss.*)
		*(COMMON)
	}
	. = ALIGN(16);
	__bss_end = .;
	. = ALIGN(4096);
	_end = .;

	/* Virtual room for the kernel stacks (kvm.c): no file content. */
	_kstack_region = .;

	/DISCARD/ : {
		*(.comment)
		*(.note .note.*)
		*(.eh_frame .eh_frame_hdr)
		*(.riscv.attributes)
	}
}

_start_pa = _start - KIMAGE_OFFSET;
ASSERT(_etrampoline - _trampoline == 4096, "the trampoline must be one page")
