package store

// networkFSName maps a Linux statfs f_type to the name of a network or
// user-space file system, or "" for a local one.
func networkFSName(magic int64) string {
	switch uint32(magic) {
	case 0x6969:
		return "NFS"
	case 0x517b:
		return "SMB"
	case 0xff534d42:
		return "CIFS"
	case 0xfe534d42:
		return "SMB2"
	case 0x65735546:
		return "FUSE"
	case 0x00c36400:
		return "Ceph"
	case 0x5346414f:
		return "AFS"
	case 0x6b414653:
		return "AFS (kAFS)"
	case 0x01021997:
		return "9P"
	case 0x47504653:
		return "GPFS"
	case 0x0bd00bd0:
		return "Lustre"
	}
	return ""
}
